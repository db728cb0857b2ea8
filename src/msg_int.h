/* msg_int — placeholder */
